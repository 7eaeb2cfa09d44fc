-- mean_ks4_attainment8: Average Attainment 8 score of children looked after for 12 months at the
-- end of key stage 4.
-- A row is one year x home district x age band (at 31 March); numerator = sum of KS4_ATTAINMENT8
-- of cohort children with a score, denominator = children with a score, sum_squares = sum of
-- squared scores.
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
        ks4_attainment8,
    from cla_12_months_education
    where year between $year_from and $year_to
        and ks4_attainment8 is not null
),

final as (
    select
        year,
        district_code,
        age_band,
        sum(ks4_attainment8)::double as numerator,
        count(*)::bigint as denominator,
        sum(ks4_attainment8 * ks4_attainment8)::double as sum_squares,
    from pupils
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
