-- health_share: the share of children looked after for 12 months at 31 March with one health
-- outcome ($measure), among those the measure is about (OC2, the cohort DfE reports on).
-- A row is one year x home district x age band (at 31 March); numerator = children in the
-- measure's group with the outcome, denominator = the children in its group. A cohort child
-- without an OC2 row, or with an item blank, counts as "no" (CHOICE).
-- $measure (group: outcome): health_assessment (cohort: HEALTH_ASSESSMENT 1); dental_check
-- (cohort: TEETH_CHECK 1); immunisations (cohort: IMMUNISATIONS 1); development_check_under5
-- (aged 0 to 4: HEALTH_CHECK 1); sdq_recorded (aged 4 to 16: a valid SDQ score); sdq_concern
-- and sdq_borderline (aged 4 to 16 with a score: 17 to 40, 14 to 16; bands as DfE and LG
-- Inform 2135; CHOICE: ages 4 to 16 at 31 March, DfE publishes 5 to 16, which the age bands 5
-- to 9, 10 to 15 and 16 and over select exactly); substance_misuse (cohort: SUBSTANCE_MISUSE
-- 1); substance_intervention_received and substance_intervention_offered (those with a
-- substance misuse problem: INTERVENTION_RECEIVED 1, INTERVENTION_OFFERED 1, which means
-- offered but refused, DfE's guide); convicted (aged 10 or over: CONVICTED 1).
-- Parameters: $year_from, $year_to, $measure
-- Sources: cla_12_months_health (queries/views/cla_12_months_health.sql).
with

cohort as (
    select
        year,
        district_code,
        age_band,
        age,
        sdq_score,
        is_convicted,
        has_development_check,
        has_immunisations,
        has_dental_check,
        has_health_assessment,
        has_substance_misuse,
        received_intervention,
        offered_intervention,
    from cla_12_months_health
    where year between $year_from and $year_to
),

measured as (
    select
        year,
        district_code,
        age_band,
        case $measure
            when 'health_assessment' then true
            when 'dental_check' then true
            when 'immunisations' then true
            when 'development_check_under5' then age between 0 and 4
            when 'sdq_recorded' then age between 4 and 16
            when 'sdq_concern' then age between 4 and 16 and sdq_score is not null
            when 'sdq_borderline' then age between 4 and 16 and sdq_score is not null
            when 'substance_misuse' then true
            when 'substance_intervention_received' then has_substance_misuse
            when 'substance_intervention_offered' then has_substance_misuse
            when 'convicted' then age >= 10
            else error('unknown health measure: ' || $measure)
        end as is_in_group,
        case $measure
            when 'health_assessment' then has_health_assessment
            when 'dental_check' then has_dental_check
            when 'immunisations' then has_immunisations
            when 'development_check_under5' then has_development_check
            when 'sdq_recorded' then sdq_score is not null
            when 'sdq_concern' then sdq_score >= 17
            when 'sdq_borderline' then sdq_score between 14 and 16
            when 'substance_misuse' then has_substance_misuse
            when 'substance_intervention_received' then received_intervention
            when 'substance_intervention_offered' then offered_intervention
            when 'convicted' then is_convicted
        end as has_outcome,
    from cohort
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(has_outcome)::bigint as numerator,
        count(*)::bigint as denominator,
    from measured
    where is_in_group
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
