-- episode_history: each child's episodes of care across every return in the folder, each once.
-- A row is one episode of one child. A year's return holds every episode open at any time in the
-- year, so an episode open at 31 March appears again in the next year's return (DEC blank until
-- it ends): each (child, start date) is taken once, from the latest return that holds it, which
-- has its end date and any correction made since. latest_return_year says which return that was.
-- CHOICE: figures built on this view take each episode as the latest return gives it, as DfE's
-- own time series take councils' amendments. A start date corrected in a later return leaves the
-- earlier version as a separate episode.
-- Short breaks (legal status V3 or V4) are left out, as everywhere (care_episodes).
-- Sources: care_episodes.
with

episodes as (
    select
        year,
        child_id,
        start_date,
        end_date,
        reason_new_episode,
        legal_status,
        placement_type,
        placement_provider,
        reason_ended,
        reason_place_change,
        urn_key,
        placement_key,
    from care_episodes
),

latest_versions as (
    select
        *,
        row_number() over (
            partition by child_id, start_date
            order by year desc
        ) as version_rank,
    from episodes
),

final as (
    select
        child_id,
        start_date,
        end_date,
        reason_new_episode,
        legal_status,
        placement_type,
        placement_provider,
        reason_ended,
        reason_place_change,
        urn_key,
        placement_key,
        year as latest_return_year,
    from latest_versions
    where version_rank = 1
)

select * from final
