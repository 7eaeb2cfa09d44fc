-- placement_moves_in_year: placement moves, one row per move, with the year it happened in, the
-- child's home district and age band at 31 March of that year, and the reason for the change.
-- A move: an episode that began between 1 April and 31 March with reason for new episode P or B
-- (change of placement and carer) that began a new placement (placement_episodes: not temporary,
-- not a return to the same placement after a temporary one). Each counts once, so a child who moved
-- twice has two rows. CHOICE: moves into or back from temporary placements (T0 to T4), changes of
-- placement with the same carer (T, U) and starts of care (S) are not moves.
-- reason_place_change: the REASON_PLACE_CHANGE of the episode that ended at the move (blank if not
-- recorded). Only years with a return in the folder.
-- Sources: placement_episodes, care_episodes, child_years.
with

placement_episodes as (
    select
        child_id,
        start_date,
        reason_new_episode,
        is_new_placement,
        previous_reason_place_change,
    from placement_episodes
),

return_years as (
    select distinct year
    from care_episodes
),

child_years as (
    select
        year,
        child_id,
        district_code,
        age_band,
    from child_years
),

moves as (
    select
        child_id,
        start_date,
        year(start_date) + (month(start_date) >= 4)::integer as year,
        previous_reason_place_change as reason_place_change,
    from placement_episodes
    where reason_new_episode in ('P', 'B')
        and is_new_placement
),

final as (
    select
        moves.year,
        moves.child_id,
        moves.start_date,
        moves.reason_place_change,
        coalesce(child_years.district_code, 'UNKNOWN') as district_code,
        coalesce(child_years.age_band, 'Unknown') as age_band,
    from moves
    inner join return_years on moves.year = return_years.year
    left join child_years
        on moves.year = child_years.year
        and moves.child_id = child_years.child_id
)

select * from final
