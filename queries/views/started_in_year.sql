-- started_in_year: children who started to be looked after in the year, one row per child per year.
-- Started = an episode with reason for new episode S that began between 1 April and 31 March.
-- A child who started twice in the year is counted once. Age band: at 31 March (our CHOICE, as
-- for every figure here, so that the bands add up to the total).
-- Sources: care_episodes, child_years.
with

starts as (
    select distinct
        year,
        child_id,
    from care_episodes
    where reason_new_episode = 'S'
        and start_date between make_date(year - 1, 4, 1) and make_date(year, 3, 31)
),

final as (
    select
        starts.year,
        starts.child_id,
        coalesce(child_years.district_code, 'UNKNOWN') as district_code,
        coalesce(child_years.age_band, 'Unknown') as age_band,
    from starts
    left join child_years
        on starts.year = child_years.year
        and starts.child_id = child_years.child_id
)

select * from final
