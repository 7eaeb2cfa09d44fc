-- pct_persistent_absence: Children looked after for 12 months who were persistently absent from
-- school.
-- A row is one year x home district x age band (at 31 March); numerator = cohort children with
-- PERSISTENT_ABSENCE 1 (missed 10% or more of possible sessions), denominator = cohort children
-- with PERSISTENT_ABSENCE 1 or 0.
-- Outcomes from the year's education.csv (local file) for children looked after continuously 12
-- months at 31 March; a blank item means not applicable, so not in the denominator.
-- Parameters: $year_from, $year_to
-- Sources: cla_12_months_education (queries/views/cla_12_months_education.sql).
with

pupils as (
    select
        year,
        district_code,
        age_band,
        is_persistently_absent,
    from cla_12_months_education
    where year between $year_from and $year_to
        and is_persistently_absent is not null
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(is_persistently_absent = '1')::bigint as numerator,
        count(*)::bigint as denominator,
    from pupils
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
