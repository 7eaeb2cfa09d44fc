-- placed_away_3plus_placements: pct_3plus_placements (queries/pct_3plus_placements.sql) for
-- children placed away from home and for those placed near, side by side.
-- A row is one year x home district x age band (at 31 March) x location (category, as
-- placement_location gives it); numerator = children looked after at 31 March with 3 or more
-- placements in the year (placements_in_year), denominator = children looked after at 31 March.
-- The locations of a cell add up to pct_3plus_placements's row.
-- Parameters: $year_from, $year_to
-- Sources: placements_in_year, placement_location.
with

children as (
    select
        year,
        child_id,
        district_code,
        age_band,
        placements >= 3 as has_outcome,
    from placements_in_year
    where year between $year_from and $year_to
),

final as (
    select
        children.year,
        children.district_code,
        children.age_band,
        placement_location.location as category,
        count_if(children.has_outcome)::bigint as numerator,
        count(*)::bigint as denominator,
    from children
    inner join placement_location
        on children.year = placement_location.year
        and children.child_id = placement_location.child_id
    group by
        children.year, children.district_code, children.age_band, placement_location.location
)

select * from final
order by year, district_code, age_band, category
