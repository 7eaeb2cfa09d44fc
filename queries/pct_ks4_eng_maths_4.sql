-- pct_ks4_eng_maths_4: Children looked after for 12 months with grade 4 or above in English and
-- maths at key stage 4.
-- A row is one year x home district x age band (at 31 March); numerator = cohort children with
-- KS4_ENG_MATHS_4 1, denominator = cohort children with KS4_ENG_MATHS_4 1 or 0 (at the end of
-- KS4).
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
        ks4_eng_maths_4,
    from cla_12_months_education
    where year between $year_from and $year_to
        and ks4_eng_maths_4 is not null
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(ks4_eng_maths_4 = '1')::bigint as numerator,
        count(*)::bigint as denominator,
    from pupils
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
