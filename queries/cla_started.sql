-- cla_started: Children who started to be looked after in the year.
-- A row is one year x home district x age band (at 31 March); numerator = children, counted once.
-- Parameters: $year_from, $year_to
-- Sources: started_in_year (queries/views/started_in_year.sql).
with

children as (
    select
        year,
        district_code,
        age_band,
    from started_in_year
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
