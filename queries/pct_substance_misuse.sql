-- pct_substance_misuse: Children looked after for 12 months identified as having a substance
-- misuse problem.
-- A row is one year x home district x age band (at 31 March); numerator = cohort children with
-- SUBSTANCE_MISUSE 1 in OC2, denominator = every child looked after continuously 12 months.
-- CHOICE: a cohort child without an OC2 row, or with the item blank, counts as not identified.
-- Parameters: $year_from, $year_to
-- Sources: cla_12_months_health (queries/views/cla_12_months_health.sql).
with

cohort as (
    select
        year,
        district_code,
        age_band,
        has_substance_misuse,
    from cla_12_months_health
    where year between $year_from and $year_to
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(has_substance_misuse)::bigint as numerator,
        count(*)::bigint as denominator,
    from cohort
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
