-- pct_placed_over_20_miles: children looked after at 31 March placed more than 20 miles from home.
-- A row is one year x home district x age band (at 31 March); numerator = children whose
-- placement at 31 March is more than 20.0 miles from their home postcode, denominator = children
-- looked after at 31 March whose distance is known.
-- Distance: straight line between the home and placement postcodes of the episode open at 31
-- March, DfE's formula, rounded to 0.1 mile; more than 20 = over 20.0 after rounding.
-- CHOICE: a distance that is not known (a postcode blank or not found) is left out of both
-- numerator and denominator, never counted as zero miles; placement_distance_not_known counts
-- those children.
-- Parameters: $year_from, $year_to
-- Sources: placement_at_31_march (queries/views/placement_at_31_march.sql).
with

placements as (
    select
        year,
        district_code,
        age_band,
        distance_miles,
    from placement_at_31_march
    where year between $year_from and $year_to
        and distance_miles is not null
),

final as (
    select
        year,
        district_code,
        age_band,
        count(*) filter (where distance_miles > 20.0)::bigint as numerator,
        count(*)::bigint as denominator,
    from placements
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
