-- pct_ehc_plan: Children looked after for 12 months with an education, health and care plan.
-- A row is one year x home district x age band (at 31 March); numerator = cohort children with
-- SEN_PROVISION E, denominator = cohort children with SEN_PROVISION recorded (N, K or E).
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
        sen_provision,
    from cla_12_months_education
    where year between $year_from and $year_to
        and sen_provision is not null
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(sen_provision = 'E')::bigint as numerator,
        count(*)::bigint as denominator,
    from pupils
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
