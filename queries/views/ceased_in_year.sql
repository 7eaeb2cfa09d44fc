-- ceased_in_year: children who ceased to be looked after in the year, one row per child per year.
-- Ceased = an episode that ended between 1 April and 31 March with a reason other than X1 (X1
-- means a new episode began the same day). A child who ceased twice is counted once, with the
-- reason of the last time.
-- Sources: care_episodes, child_years.
with

endings as (
    select
        year,
        child_id,
        end_date,
        reason_ended,
    from care_episodes
    where end_date between make_date(year - 1, 4, 1) and make_date(year, 3, 31)
        and reason_ended is not null
        and reason_ended <> 'X1'
),

last_ending as (
    select
        year,
        child_id,
        arg_max(reason_ended, end_date) as reason_ended,
    from endings
    group by year, child_id
),

final as (
    select
        last_ending.year,
        last_ending.child_id,
        last_ending.reason_ended,
        coalesce(child_years.district_code, 'UNKNOWN') as district_code,
        coalesce(child_years.age_band, 'Unknown') as age_band,
    from last_ending
    left join child_years
        on last_ending.year = child_years.year
        and last_ending.child_id = child_years.child_id
)

select * from final
