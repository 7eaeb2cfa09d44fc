-- care_episodes: episodes of care as each year's return gives them, short breaks left out.
-- A row is one episode in one year's return; an episode open at 31 March appears again in the
-- next year's return. Children looked after under an agreed series of short breaks (legal status
-- V3 or V4) are left out of every figure, as in DfE's statistics.
-- Sources: episodes.
select
    year,
    child_id,
    start_date,
    end_date,
    reason_new_episode,
    legal_status,
    category_of_need,
    placement_type,
    placement_provider,
    reason_ended,
    reason_place_change,
    urn_key,
    home_district_code,
    placement_district_code,
    distance_miles,
    is_placed_outside_council,
    placement_key,
from episodes
where not is_short_break
