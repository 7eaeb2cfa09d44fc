-- placement_episodes: each child's episodes of care across all returns, with the placement and the
-- period of care each belongs to, for the placement stability measures. A row is one episode
-- (as episode_history gives it).
-- A placement is a carer. An episode begins a new placement (is_new_placement) when its reason for
-- new episode is S, P or B (new carer), it is not temporary (PLACE T0 to T4: hospital, holiday,
-- carer's holiday, seven days or less) and it is not a return from a temporary placement: the
-- episode straight after a temporary one, with the same PLACE, placement postcode (placement_key)
-- and URN as the last placement before it (a blank matches a blank). L (legal status only) and
-- T or U (same carer) continue the placement, as do temporary episodes and returns from them.
-- placement_number counts a child's placements; a child's first episode, and any S episode (a new
-- period of care), also begins one, so that a placement never spans a break in care.
-- placement_start_date: when the placement began; previous_placement_start_date: when the one
-- before it began; first_placement_type: PLACE of its first episode; carer_placement_type: PLACE
-- of its latest non-temporary episode up to this one.
-- A period of care: episodes that follow on without a break, as in cla_12_months (the next starts
-- on or before the end of one that ended with REC X1, or the earlier one was left open);
-- care_period_start_date: when this episode's period began.
-- previous_reason_place_change: the reason for placement change of the episode before this one
-- (the episode that ended when this one began).
-- Sources: episode_history.
with

episodes as (
    select
        child_id,
        start_date,
        end_date,
        reason_new_episode,
        legal_status,
        placement_type,
        reason_ended,
        reason_place_change,
        urn_key,
        placement_key,
    from episode_history
),

flagged as (
    select
        *,
        coalesce(placement_type in ('T0', 'T1', 'T2', 'T3', 'T4'), false) as is_temporary,
        concat_ws(
            '|',
            coalesce(placement_type, ''),
            coalesce(placement_key, ''),
            coalesce(urn_key, '')
        ) as placement_identity,
    from episodes
),

with_previous as (
    select
        *,
        row_number() over by_start as episode_number,
        lag(is_temporary) over by_start as follows_temporary,
        last_value(
            case when not is_temporary then placement_identity end ignore nulls
        ) over (by_start rows between unbounded preceding and 1 preceding) as last_settled_identity,
        lag(end_date) over by_start as previous_end_date,
        lag(reason_ended) over by_start as previous_reason_ended,
        lag(reason_place_change) over by_start as previous_reason_place_change,
    from flagged
    window by_start as (partition by child_id order by start_date)
),

classified as (
    select
        *,
        coalesce(
            follows_temporary
            and not is_temporary
            and placement_identity = last_settled_identity,
            false
        ) as is_return_from_temporary,
    from with_previous
),

new_placements as (
    select
        *,
        reason_new_episode in ('S', 'P', 'B')
        and not is_temporary
        and not is_return_from_temporary as is_new_placement,
    from classified
),

starts as (
    select
        *,
        episode_number = 1
        or reason_new_episode = 'S'
        or is_new_placement as is_placement_start,
        not (
            episode_number > 1
            and (
                previous_end_date is null
                or (previous_reason_ended = 'X1' and start_date <= previous_end_date)
            )
        ) as is_care_period_start,
    from new_placements
),

numbered as (
    select
        *,
        sum(is_placement_start::integer) over running as placement_number,
        sum(is_care_period_start::integer) over running as care_period_number,
    from starts
    window running as (
        partition by child_id
        order by start_date
        rows between unbounded preceding and current row
    )
),

placements as (
    select
        child_id,
        placement_number,
        min(start_date) as placement_start_date,
        arg_min(placement_type, start_date) as first_placement_type,
    from numbered
    group by child_id, placement_number
),

placement_order as (
    select
        child_id,
        placement_number,
        placement_start_date,
        first_placement_type,
        lag(placement_start_date) over (
            partition by child_id
            order by placement_number
        ) as previous_placement_start_date,
    from placements
),

final as (
    select
        numbered.child_id,
        numbered.start_date,
        numbered.end_date,
        numbered.reason_new_episode,
        numbered.legal_status,
        numbered.placement_type,
        numbered.reason_ended,
        numbered.reason_place_change,
        numbered.previous_reason_place_change,
        numbered.episode_number,
        numbered.is_temporary,
        numbered.is_return_from_temporary,
        numbered.is_new_placement,
        numbered.placement_number,
        placement_order.placement_start_date,
        placement_order.previous_placement_start_date,
        placement_order.first_placement_type,
        last_value(
            case when not numbered.is_temporary then numbered.placement_type end ignore nulls
        ) over (
            partition by numbered.child_id, numbered.placement_number
            order by numbered.start_date
            rows between unbounded preceding and current row
        ) as carer_placement_type,
        min(numbered.start_date) over (
            partition by numbered.child_id, numbered.care_period_number
        ) as care_period_start_date,
    from numbered
    inner join placement_order
        on numbered.child_id = placement_order.child_id
        and numbered.placement_number = placement_order.placement_number
)

select * from final
