-- pct_convicted: Children aged 10 or over looked after for 12 months convicted or given a youth
-- caution in the year.
-- A row is one year x home district x age band (at 31 March); numerator = cohort children aged
-- 10 or over at 31 March with CONVICTED 1 in OC2, denominator = cohort children aged 10 or over.
-- CONVICTED = convicted, or given a final warning, reprimand or youth caution, in the year
-- (validator 543: only for ages 10 and over). CHOICE: no OC2 row or a blank item counts as no; a
-- child of unknown age is left out.
-- Parameters: $year_from, $year_to
-- Sources: cla_12_months_health (queries/views/cla_12_months_health.sql).
with

cohort as (
    select
        year,
        district_code,
        age_band,
        is_convicted,
    from cla_12_months_health
    where year between $year_from and $year_to
        and age >= 10
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(is_convicted)::bigint as numerator,
        count(*)::bigint as denominator,
    from cohort
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
