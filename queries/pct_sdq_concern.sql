-- pct_sdq_concern: Children looked after for 12 months whose SDQ score is a cause for concern
-- (17 or more).
-- A row is one year x home district x age band (at 31 March); numerator = cohort children aged 4
-- to 16 at 31 March with an SDQ score of 17 to 40, denominator = those with a valid score.
-- Bands as DfE and LG Inform 2135: 0-13 normal, 14-16 borderline, 17-40 cause for concern.
-- CHOICE: ages 4 to 16 at 31 March; DfE's published SDQ figures cover 5 to 16 (the age bands 5
-- to 9, 10 to 15 and 16 and over select exactly that).
-- Parameters: $year_from, $year_to
-- Sources: cla_12_months_health (queries/views/cla_12_months_health.sql).
with

scored as (
    select
        year,
        district_code,
        age_band,
        sdq_score,
    from cla_12_months_health
    where year between $year_from and $year_to
        and age between 4 and 16
        and sdq_score is not null
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(sdq_score >= 17)::bigint as numerator,
        count(*)::bigint as denominator,
    from scored
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
