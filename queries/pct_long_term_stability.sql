-- pct_long_term_stability: children aged under 16 at 31 March, looked after continuously for at
-- least 2.5 years, who had lived in the same placement for at least 2 years, or were placed for
-- adoption and their adoptive placement together with the placement before it had lasted 2 years.
-- A row is one year x home district x age band (at 31 March); numerator = children living in the
-- same placement (or adoptive and previous placement) for 2 years or more, denominator = children
-- under 16 looked after on 31 March whose period of care began on or before 1 October 2.5 years
-- earlier (looked after on every day of the 2.5 years to 31 March).
-- Same placement for 2 years: the placement (carer) they were in at 31 March began on or before
-- 1 April two years earlier. Placements as placement_episodes gives them: a change of legal status
-- (L), a change of placement with the same carer (T, U), a temporary placement (T0 to T4) and a
-- return from one do not begin a new placement. Placed for adoption: the placement at 31 March is
-- PLACE A3 to A6 and began as a placement for adoption (a new carer, as A4 and A6 are); then it
-- counts from the start of the placement before it. Adoption with the current foster carer
-- (A3, A5 after T or U) is already part of the foster placement.
-- CHOICE: a child with no date of birth is left out (age not known). Years without the two
-- returns before them in the folder are left out: the history would be too short to see 2.5
-- years of care. Episodes as the latest return gives them (episode_history).
-- Parameters: $year_from, $year_to
-- Sources: in_care_31_march, placement_episodes, care_episodes.
with

in_care as (
    select
        year,
        child_id,
        district_code,
        age_band,
    from in_care_31_march
    where year between $year_from and $year_to
        and age < 16
),

return_years as (
    select distinct year
    from care_episodes
),

placement_episodes as (
    select
        child_id,
        start_date,
        end_date,
        placement_start_date,
        previous_placement_start_date,
        first_placement_type,
        carer_placement_type,
        care_period_start_date,
    from placement_episodes
),

with_history as (
    select in_care.*
    from in_care
    where in_care.year - 1 in (select year from return_years)
        and in_care.year - 2 in (select year from return_years)
),

open_at_31_march as (
    select
        with_history.year,
        with_history.district_code,
        with_history.age_band,
        placement_episodes.placement_start_date,
        placement_episodes.previous_placement_start_date,
        placement_episodes.first_placement_type,
        placement_episodes.carer_placement_type,
        placement_episodes.care_period_start_date,
    from with_history
    inner join placement_episodes
        on with_history.child_id = placement_episodes.child_id
        and placement_episodes.start_date <= make_date(with_history.year, 3, 31)
        and (
            placement_episodes.end_date is null
            or placement_episodes.end_date > make_date(with_history.year, 3, 31)
        )
    qualify row_number() over (
        partition by with_history.year, with_history.child_id
        order by placement_episodes.start_date desc
    ) = 1
),

cohort as (
    select
        year,
        district_code,
        age_band,
        case
            when carer_placement_type in ('A3', 'A4', 'A5', 'A6')
                and first_placement_type in ('A3', 'A4', 'A5', 'A6')
                then coalesce(previous_placement_start_date, placement_start_date)
            else placement_start_date
        end as stable_since_date,
    from open_at_31_march
    where care_period_start_date <= make_date(year - 3, 10, 1)
),

final as (
    select
        year,
        district_code,
        age_band,
        count(*) filter (where stable_since_date <= make_date(year - 2, 4, 1))::bigint as numerator,
        count(*)::bigint as denominator,
    from cohort
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
