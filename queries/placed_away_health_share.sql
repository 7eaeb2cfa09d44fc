-- placed_away_health_share: health_share (queries/health_share.sql) for children placed away
-- from home and for those placed near, side by side.
-- A row is one year x home district x age band (at 31 March) x location (category: 'Placed
-- away', 'Placed near', 'Location not known', as placement_location gives them); numerator =
-- children in the measure's group with the outcome, denominator = the children in its group.
-- The locations of a cell add up to health_share's row for the same measure.
-- $measure (group: outcome): health_assessment (cohort: HEALTH_ASSESSMENT 1); dental_check
-- (cohort: TEETH_CHECK 1); immunisations (cohort: IMMUNISATIONS 1); sdq_recorded (aged 4 to 16:
-- a valid SDQ score).
-- Parameters: $year_from, $year_to, $measure
-- Sources: cla_12_months_health, placement_location.
with

measured as (
    select
        year,
        child_id,
        district_code,
        age_band,
        case $measure
            when 'sdq_recorded' then age between 4 and 16
            when 'health_assessment' then true
            when 'dental_check' then true
            when 'immunisations' then true
            else error('unknown health measure: ' || $measure)
        end as is_in_group,
        case $measure
            when 'health_assessment' then has_health_assessment
            when 'dental_check' then has_dental_check
            when 'immunisations' then has_immunisations
            when 'sdq_recorded' then sdq_score is not null
        end as has_outcome,
    from cla_12_months_health
    where year between $year_from and $year_to
),

final as (
    select
        measured.year,
        measured.district_code,
        measured.age_band,
        placement_location.location as category,
        count_if(measured.has_outcome)::bigint as numerator,
        count(*)::bigint as denominator,
    from measured
    inner join placement_location
        on measured.year = placement_location.year
        and measured.child_id = placement_location.child_id
    where measured.is_in_group
    group by measured.year, measured.district_code, measured.age_band, placement_location.location
)

select * from final
order by year, district_code, age_band, category
