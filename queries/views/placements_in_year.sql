-- placements_in_year: how many placements each child looked after at 31 March had during the
-- year, one row per child per year (every child of in_care_31_march, with its home district and
-- age band at 31 March), as pct_3plus_placements and placed_away_3plus_placements count them.
-- Placements in the year: the child's episodes open at any time from 1 April to 31 March,
-- earlier periods of care in the year included (an episode that ended on 1 April is last year's).
-- The first of them (the placement held on 1 April, or the first in the year) counts 1; each later
-- one counts 1 if it began a new placement (placement_episodes: reason for new episode S, P or B,
-- not temporary PLACE T0 to T4, not a return to the same placement after a temporary one).
-- Sources: in_care_31_march, placement_episodes.
with

in_care as (
    select
        year,
        child_id,
        district_code,
        age_band,
    from in_care_31_march
),

placement_episodes as (
    select
        child_id,
        start_date,
        end_date,
        is_new_placement,
    from placement_episodes
),

episodes_in_year as (
    select
        in_care.year,
        in_care.child_id,
        placement_episodes.is_new_placement,
        row_number() over (
            partition by in_care.year, in_care.child_id
            order by placement_episodes.start_date
        ) as number_in_year,
    from in_care
    inner join placement_episodes
        on in_care.child_id = placement_episodes.child_id
        and placement_episodes.start_date <= make_date(in_care.year, 3, 31)
        and (
            placement_episodes.end_date is null
            or placement_episodes.end_date > make_date(in_care.year - 1, 4, 1)
        )
),

final as (
    select
        in_care.year,
        in_care.child_id,
        in_care.district_code,
        in_care.age_band,
        coalesce(
            count(*) filter (
                where episodes_in_year.number_in_year = 1 or episodes_in_year.is_new_placement
            ),
            0
        ) as placements,
    from in_care
    left join episodes_in_year
        on in_care.year = episodes_in_year.year
        and in_care.child_id = episodes_in_year.child_id
    group by in_care.year, in_care.child_id, in_care.district_code, in_care.age_band
)

select * from final
