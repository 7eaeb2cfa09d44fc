-- care_segments: each child's time in care as the forecast model sees it, cut into pieces that
-- lie in one age band and one placement category. A row is one piece of one child's care.
-- Only the returns up to $returns_to are read (a back-test fits on what was known then); each
-- episode is taken once, from the latest of those returns that holds it. Short breaks (legal
-- status V3 or V4) are left out, as everywhere.
-- Placement category (PLACE), as data-to-insight's demand model groups them: fostering U1-U6;
-- residential K2 (children's home), R1 (residential care home); supported H5 (semi-independent
-- living, supported accommodation), P2 (independent living); other everything else (A3-A6 placed
-- for adoption, K1 secure children's home, P1 placed with parents, P3, R2, R3, R5, S1, Z1).
-- CHOICE: a temporary placement (T0-T4) keeps the category of the placement before it in the
-- same period of care (a stay in hospital is no move out of foster care); other if none.
-- Age from birth_year and birth_month alone: CHOICE: a birthday is taken as the 1st of the birth
-- month (a child leaving care on the day they turn 18 has then always turned 18 in the model,
-- and the age at every 31 March is exact). Care ends at the 18th birthday: time after it is no
-- piece. A child with no birth month is left out.
-- A child's district: their home district in the latest of these returns that holds them.
-- Columns: start_date (in care from this day), end_date (not in care in this piece from this
-- day on: the day they left, moved category or had a birthday that changed their band; for a
-- piece still open, the birthday ending its band; no piece begins after the last return),
-- is_entry (the piece begins a period of care: RNE S), end_event: exit (left care), move (to
-- next_category the same day), birthday (into the next band) or aged_18. A piece still open
-- at the last return read ends at the birthday ending its band (after that return, perhaps):
-- a forecast counts nothing after the day its reference period ends.
-- $districts: a list of district codes (empty for the whole council).
-- Parameters: $returns_to, $districts
-- Sources: episodes, children, age_bands.
with

-- A child's latest row is looked for only among children ever in the chosen districts: at
-- national scale, a few hundred of them rather than every child.
births as (
    select
        child_id,
        arg_max(birth_year, year) as birth_year,
        arg_max(birth_month, year) as birth_month,
        arg_max(district_code, year) as district_code,
    from children
    where year <= $returns_to
        and (len($districts) = 0 or child_id in (
            select child_id
            from children
            where year <= $returns_to and list_contains($districts, district_code)
        ))
    group by child_id
),

-- The chosen districts' children, before any episode is read: every step below is within one
-- child, so the others' episodes are never worked through (at national scale, most of them).
chosen as (
    select *,
    from births
    where len($districts) = 0 or list_contains($districts, district_code)
),

episodes as (
    select
        year,
        child_id,
        start_date,
        end_date,
        reason_new_episode,
        placement_type,
        reason_ended,
    from episodes
    where not is_short_break
        and year <= $returns_to
        and child_id in (select child_id from chosen)
),

latest_versions as (
    select
        *,
        row_number() over (partition by child_id, start_date order by year desc) as version_rank,
    from episodes
),

own_categories as (
    select
        child_id,
        start_date,
        end_date,
        reason_new_episode,
        reason_ended,
        case
            when placement_type in ('U1', 'U2', 'U3', 'U4', 'U5', 'U6') then 'fostering'
            when placement_type in ('K2', 'R1') then 'residential'
            when placement_type in ('H5', 'P2') then 'supported'
            when placement_type in ('T0', 'T1', 'T2', 'T3', 'T4') then null
            else 'other'
        end as own_category,
        sum((reason_new_episode = 'S')::integer) over (
            partition by child_id
            order by start_date
            rows between unbounded preceding and current row
        ) as care_period_number,
    from latest_versions
    where version_rank = 1
),

categorised as (
    select
        *,
        coalesce(
            last_value(own_category ignore nulls) over (
                partition by child_id, care_period_number
                order by start_date
                rows between unbounded preceding and current row
            ),
            'other'
        ) as category,
    from own_categories
),

with_next as (
    select
        *,
        lead(start_date) over by_child as next_start_date,
        lead(category) over by_child as next_category,
    from categorised
    window by_child as (partition by child_id order by start_date)
),

episode_events as (
    select
        *,
        case
            when end_date is null then 'open'
            when reason_ended = 'X1' and next_start_date = end_date then 'continues'
            else 'exit'
        end as episode_end,
    from with_next
),

islands as (
    select
        *,
        coalesce(
            lag(episode_end) over by_child = 'continues'
            and lag(category) over by_child = category,
            false
        ) as is_same_segment,
    from episode_events
    window by_child as (partition by child_id order by start_date)
),

numbered as (
    select
        *,
        sum((not is_same_segment)::integer) over (
            partition by child_id
            order by start_date
            rows between unbounded preceding and current row
        ) as segment_number,
    from islands
),

segments as (
    select
        child_id,
        segment_number,
        any_value(category) as category,
        min(start_date) as start_date,
        arg_max_null(end_date, start_date) as end_date,
        -- a first episode's blank RNE (check names it) begins no period of care, as a wrong code
        coalesce(arg_min_null(reason_new_episode, start_date) = 'S', false) as is_entry,
        arg_max(episode_end, start_date) as segment_end,
        arg_max_null(next_category, start_date) as next_category,
    from numbered
    group by child_id, segment_number
),

bands as (
    select
        age_band,
        min_age,
        least(max_age, 17) + 1 as next_age,
        sort_order,
    from age_bands
    where min_age < 18
),

birthdays as (
    select
        births.child_id,
        births.district_code,
        births.birth_year,
        births.birth_month,
        bands.age_band,
        bands.sort_order as band_order,
        bands.next_age,
        make_date(births.birth_year + bands.min_age, births.birth_month, 1) as band_start_date,
        make_date(births.birth_year + bands.next_age, births.birth_month, 1) as band_end_date,
    from chosen as births
    cross join bands
    where births.birth_month is not null
),

banded as (
    select
        segments.category,
        segments.start_date as segment_start_date,
        segments.end_date as segment_end_date,
        segments.is_entry as is_segment_entry,
        segments.segment_end,
        segments.next_category as segment_next_category,
        birthdays.*,
    from segments
    inner join birthdays
        on segments.child_id = birthdays.child_id
        and segments.start_date < birthdays.band_end_date
        and (segments.end_date is null or segments.end_date > birthdays.band_start_date)
    where birthdays.band_start_date <= make_date($returns_to, 3, 31)
),

final as (
    select
        child_id,
        district_code,
        birth_year,
        birth_month,
        age_band,
        band_order,
        category,
        greatest(segment_start_date, band_start_date) as start_date,
        least(coalesce(segment_end_date, band_end_date), band_end_date) as end_date,
        is_segment_entry and segment_start_date >= band_start_date as is_entry,
        case
            when segment_end_date > band_end_date or segment_end = 'open'
                then case when next_age = 18 then 'aged_18' else 'birthday' end
            when segment_end = 'continues' then 'move'
            else segment_end
        end as end_event,
        case
            when segment_end_date <= band_end_date and segment_end = 'continues'
                then segment_next_category
        end as next_category,
    from banded
)

select * from final
order by district_code, child_id, start_date
