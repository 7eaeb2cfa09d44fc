-- pct_sdq_recorded: Children aged 4 to 16 looked after for 12 months with an SDQ score.
-- A row is one year x home district x age band (at 31 March); numerator = cohort children aged 4
-- to 16 at 31 March with a valid SDQ score (a whole number 0 to 40), denominator = cohort
-- children aged 4 to 16.
-- CHOICE: age at 31 March (the return has no assessment date; DfE's rule uses age at the latest
-- assessment). No OC2 row, a blank score or an invalid one (blanked by the build) = not
-- recorded.
-- Parameters: $year_from, $year_to
-- Sources: cla_12_months_health (queries/views/cla_12_months_health.sql).
with

cohort as (
    select
        year,
        district_code,
        age_band,
        sdq_score,
    from cla_12_months_health
    where year between $year_from and $year_to
        and age between 4 and 16
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(sdq_score is not null)::bigint as numerator,
        count(*)::bigint as denominator,
    from cohort
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
