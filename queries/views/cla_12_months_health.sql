-- cla_12_months_health: the OC2 health and offending items of each child looked after
-- continuously for 12 months at 31 March, one row per cohort child per year.
-- Every cohort child has a row: one without an OC2 row (or with an item blank) has that item
-- false, so it counts as "no" (CHOICE). OC2 rows of children outside the cohort are left out.
-- Flags are true where the item is 1. sdq_score is a whole number 0 to 40 (the build blanks any
-- other value), blank where not recorded. offered_intervention = offered an intervention for
-- substance misuse but refused it (DfE's guide).
-- Sources: cla_12_months, health (oc2.csv).
with

cohort as (
    select
        year,
        child_id,
        district_code,
        age_band,
        age,
    from cla_12_months
),

oc2_rows as (
    select
        year,
        child_id,
        sdq_score,
        is_convicted,
        has_development_check,
        has_immunisations,
        has_dental_check,
        has_health_assessment,
        has_substance_misuse,
        received_intervention,
        offered_intervention,
    from health
),

final as (
    select
        cohort.year,
        cohort.child_id,
        cohort.district_code,
        cohort.age_band,
        cohort.age,
        oc2_rows.child_id is not null as has_oc2_row,
        coalesce(oc2_rows.has_health_assessment = '1', false) as has_health_assessment,
        coalesce(oc2_rows.has_dental_check = '1', false) as has_dental_check,
        coalesce(oc2_rows.has_immunisations = '1', false) as has_immunisations,
        coalesce(oc2_rows.has_development_check = '1', false) as has_development_check,
        oc2_rows.sdq_score,
        coalesce(oc2_rows.is_convicted = '1', false) as is_convicted,
        coalesce(oc2_rows.has_substance_misuse = '1', false) as has_substance_misuse,
        coalesce(oc2_rows.received_intervention = '1', false) as received_intervention,
        coalesce(oc2_rows.offered_intervention = '1', false) as offered_intervention,
    from cohort
    left join oc2_rows
        on cohort.year = oc2_rows.year
        and cohort.child_id = oc2_rows.child_id
)

select * from final
