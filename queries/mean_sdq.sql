-- mean_sdq: Average SDQ score of children aged 4 to 16 looked after for 12 months.
-- A row is one year x home district x age band (at 31 March); numerator = sum of valid SDQ
-- scores (0 to 40) of cohort children aged 4 to 16 at 31 March, denominator = children with a
-- score, sum_squares = sum of squared scores.
-- CHOICE: ages 4 to 16 at 31 March (SDQ collection rule, age at 31 March as the return has no
-- assessment date); DfE's published average (LG Inform 2135) covers 5 to 16: the age bands 5 to
-- 9, 10 to 15 and 16 and over select exactly that.
-- Parameters: $year_from, $year_to
-- Sources: sdq_scored (queries/views/sdq_scored.sql).
with

scored as (
    select *
    from sdq_scored
    where year between $year_from and $year_to
),

final as (
    select
        year,
        district_code,
        age_band,
        sum(sdq_score)::double as numerator,
        count(*)::bigint as denominator,
        sum(sdq_score * sdq_score)::double as sum_squares,
    from scored
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
