-- pct_ks2_rwm_expected: Children looked after for 12 months reaching the expected standard in
-- reading, writing and maths at key stage 2.
-- A row is one year x home district x age band (at 31 March); numerator = cohort children with
-- KS2_RWM_EXPECTED 1, denominator = cohort children with KS2_RWM_EXPECTED 1 or 0 (at the end of
-- KS2).
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
        ks2_rwm_expected,
    from cla_12_months_education
    where year between $year_from and $year_to
        and ks2_rwm_expected is not null
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(ks2_rwm_expected = '1')::bigint as numerator,
        count(*)::bigint as denominator,
    from pupils
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
