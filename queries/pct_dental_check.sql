-- pct_dental_check: Children looked after for 12 months whose teeth were checked by a dentist.
-- A row is one year x home district x age band (at 31 March); numerator = cohort children with
-- TEETH_CHECK 1 in OC2, denominator = every child looked after continuously 12 months.
-- CHOICE: a cohort child without an OC2 row, or with the item blank, counts as not checked.
-- Parameters: $year_from, $year_to
-- Sources: cla_12_months_health (queries/views/cla_12_months_health.sql).
with

cohort as (
    select
        year,
        district_code,
        age_band,
        has_dental_check,
    from cla_12_months_health
    where year between $year_from and $year_to
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(has_dental_check)::bigint as numerator,
        count(*)::bigint as denominator,
    from cohort
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
