-- pct_development_check_under5: Children under 5 looked after for 12 months whose development
-- assessments are up to date.
-- A row is one year x home district x age band (at 31 March); numerator = cohort children aged 0
-- to 4 at 31 March with HEALTH_CHECK 1 in OC2, denominator = cohort children aged 0 to 4.
-- HEALTH_CHECK ("health surveillance or health promotion checks up to date") is completed only
-- for children under 5 (validator 545/546; DfE reports development assessments for ages 0 to 4).
-- A child of unknown age is left out. CHOICE: no OC2 row or a blank item counts as no.
-- Parameters: $year_from, $year_to
-- Sources: cla_12_months_health (queries/views/cla_12_months_health.sql).
with

cohort as (
    select
        year,
        district_code,
        age_band,
        has_development_check,
    from cla_12_months_health
    where year between $year_from and $year_to
        and age between 0 and 4
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(has_development_check)::bigint as numerator,
        count(*)::bigint as denominator,
    from cohort
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
