-- placement_location: whether each child looked after at 31 March was placed away from home,
-- one row per child per year, for the equity figures (children placed away against those placed
-- near home): the placed-away group of every child of in_care_31_march, so a query joins its
-- cohort (in_care_31_march or one drawn from it: cla_12_months, placements_in_year) to it by
-- year and child_id and keeps every child.
-- location: 'Placed away' = the placement of the episode open at 31 March is outside the
-- council's districts, or more than 20 miles from home (DfE's distance, over 20.0 after
-- rounding to 0.1 mile); 'Placed near' = inside the council's districts and 20 miles or less
-- from home, both known; 'Location not known' = neither (a placement postcode blank or not
-- found, or inside the council with no known distance, e.g. no home postcode).
-- CHOICE: the placement at 31 March (the latest-starting episode open then), as DfE's
-- placement-location statistics take it, not the latest in the year: for a child in care on
-- 31 March the two are the same episode.
-- Sources: placement_at_31_march (queries/views/placement_at_31_march.sql).
with

placements as (
    select
        year,
        child_id,
        distance_miles,
        is_placed_outside_council,
    from placement_at_31_march
),

final as (
    select
        year,
        child_id,
        case
            when is_placed_outside_council or distance_miles > 20.0 then 'Placed away'
            when not is_placed_outside_council and distance_miles <= 20.0 then 'Placed near'
            else 'Location not known'
        end as location,
    from placements
)

select * from final
