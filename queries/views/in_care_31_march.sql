-- in_care_31_march: children looked after at 31 March, one row per child per year.
-- Open at 31 March = began on or before it and not ended (an episode ending on 31 March is not
-- open that day: DfE counts children looked after on 31 March).
-- Sources: care_episodes, child_years.
with

open_at_31_march as (
    select distinct
        year,
        child_id,
    from care_episodes
    where start_date <= make_date(year, 3, 31)
        and (end_date is null or end_date > make_date(year, 3, 31))
),

final as (
    select
        open_at_31_march.year,
        open_at_31_march.child_id,
        coalesce(child_years.district_code, 'UNKNOWN') as district_code,
        coalesce(child_years.age_band, 'Unknown') as age_band,
        child_years.age,
        child_years.sex,
        child_years.ethnicity,
        coalesce(child_years.is_uasc, false) as is_uasc,
    from open_at_31_march
    left join child_years
        on open_at_31_march.year = child_years.year
        and open_at_31_march.child_id = child_years.child_id
)

select * from final
