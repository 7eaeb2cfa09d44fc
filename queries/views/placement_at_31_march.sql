-- placement_at_31_march: where each child looked after at 31 March was placed, one row per child
-- per year: the placement of the episode open at 31 March (the latest-starting one, were two open).
-- distance_miles: straight line from home postcode to placement postcode, as the build works it
-- out (DfE's formula, to 0.1 mile); NULL when not known (either postcode blank or not found, e.g.
-- an unaccompanied asylum-seeking child with no home postcode), never zero.
-- is_placed_outside_council: placement postcode outside the council's districts; NULL when the
-- placement postcode is blank or not found.
-- Sources: in_care_31_march, care_episodes.
with

in_care as (
    select
        year,
        child_id,
        district_code,
        age_band,
    from in_care_31_march
),

open_episodes as (
    select
        year,
        child_id,
        placement_type,
        placement_district_code,
        distance_miles,
        is_placed_outside_council,
    from care_episodes
    where start_date <= make_date(year, 3, 31)
        and (end_date is null or end_date > make_date(year, 3, 31))
    qualify row_number() over (partition by year, child_id order by start_date desc) = 1
),

final as (
    select
        in_care.year,
        in_care.child_id,
        in_care.district_code,
        in_care.age_band,
        open_episodes.placement_type,
        open_episodes.placement_district_code,
        open_episodes.distance_miles,
        open_episodes.is_placed_outside_council,
    from in_care
    left join open_episodes
        on in_care.year = open_episodes.year
        and in_care.child_id = open_episodes.child_id
)

select * from final
