-- pct_uasc: unaccompanied asylum-seeking children (UASC) as a share of children looked after at
-- 31 March.
-- A row is one year x home district x age band (at 31 March); numerator = children looked after
-- at 31 March who were UASC that day (in the year's uasc.csv with DUC blank or after 31 March),
-- denominator = all children looked after at 31 March.
-- Parameters: $year_from, $year_to
-- Sources: uasc_status_31_march (queries/views/uasc_status_31_march.sql).
with

children as (
    select
        year,
        district_code,
        age_band,
        is_uasc_at_31_march,
    from uasc_status_31_march
    where year between $year_from and $year_to
),

final as (
    select
        year,
        district_code,
        age_band,
        count(*) filter (where is_uasc_at_31_march)::bigint as numerator,
        count(*)::bigint as denominator,
    from children
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
