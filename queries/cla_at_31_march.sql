-- cla_at_31_march: Children looked after at 31 March.
-- A row is one year x home district x age band (at 31 March); numerator = children, counted once.
-- Parameters: $year_from, $year_to
-- Sources: in_care_31_march (queries/views/in_care_31_march.sql).
with

children as (
    select
        year,
        district_code,
        age_band,
    from in_care_31_march
    where year between $year_from and $year_to
),

final as (
    select
        year,
        district_code,
        age_band,
        count(*)::bigint as numerator,
        null::bigint as denominator,
    from children
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
