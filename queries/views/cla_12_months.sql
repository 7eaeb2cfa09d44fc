-- cla_12_months: children looked after continuously for 12 months or more at 31 March (DfE's
-- "OC2 cohort", whose health, offending and education outcomes are reported), one row per child
-- per year.
-- Continuously looked after = looked after on 31 March and without a break since 1 April of the
-- previous year: the child's episodes in the year's return chain (each next episode starts on or
-- before the end of one that ended with REC X1) back to one that began on or before 1 April of
-- the previous year. Starting on 1 April itself counts as 12 months. An episode open over several
-- years appears in each year's return (DEC blank until it ends), so the year's own return holds
-- the whole chain back to 1 April. Short breaks (V3/V4) are not care here, so a gap they fill
-- breaks the chain. An episode ending on 31 March with a reason other than X1 is not looked
-- after on 31 March: not in the cohort (CHOICE; DfE's validator counts it).
-- CHOICE: an earlier episode left open (DEC blank) when a later one starts is read as unbroken
-- care (the build notes it as a data problem).
-- Sources: care_episodes, in_care_31_march.
with

episodes as (
    select
        year,
        child_id,
        start_date,
        end_date,
        reason_ended,
    from care_episodes
),

with_previous as (
    select
        year,
        child_id,
        start_date,
        end_date,
        lag(end_date) over by_start as previous_end_date,
        lag(reason_ended) over by_start as previous_reason_ended,
        row_number() over by_start as episode_number,
    from episodes
    window by_start as (partition by year, child_id order by start_date)
),

chain_starts as (
    select
        year,
        child_id,
        start_date,
        end_date,
        not (
            episode_number > 1
            and (
                previous_end_date is null
                or (previous_reason_ended = 'X1' and start_date <= previous_end_date)
            )
        ) as is_chain_start,
    from with_previous
),

chains as (
    select
        year,
        child_id,
        start_date,
        end_date,
        sum(is_chain_start::integer) over (
            partition by year, child_id
            order by start_date
            rows between unbounded preceding and current row
        ) as chain_number,
    from chain_starts
),

chain_start_dates as (
    select
        year,
        child_id,
        start_date,
        end_date,
        min(start_date) over (partition by year, child_id, chain_number) as chain_start_date,
    from chains
),

continuous as (
    select distinct
        year,
        child_id,
    from chain_start_dates
    where start_date <= make_date(year, 3, 31)
        and (end_date is null or end_date > make_date(year, 3, 31))
        and chain_start_date <= make_date(year - 1, 4, 1)
),

in_care as (
    select
        year,
        child_id,
        district_code,
        age_band,
        age,
        sex,
        ethnicity,
        is_uasc,
    from in_care_31_march
),

final as (
    select
        in_care.year,
        in_care.child_id,
        in_care.district_code,
        in_care.age_band,
        in_care.age,
        in_care.sex,
        in_care.ethnicity,
        in_care.is_uasc,
    from in_care
    inner join continuous
        on in_care.year = continuous.year
        and in_care.child_id = continuous.child_id
)

select * from final
