-- placed_away_3plus_placements: pct_3plus_placements (queries/pct_3plus_placements.sql) for
-- children placed away from home and for those placed near, side by side.
-- A row is one year x home district x age band (at 31 March) x location (category, as
-- placement_location gives it); numerator = children looked after at 31 March with 3 or more
-- placements in the year (placements_in_year), denominator = children looked after at 31 March.
-- The locations of a cell add up to pct_3plus_placements's row.
-- Parameters: $year_from, $year_to
-- Sources: in_care_31_march, placements_in_year, placement_location.
with

in_care as (
    select
        year,
        child_id,
        district_code,
        age_band,
    from in_care_31_march
    where year between $year_from and $year_to
),

children as (
    select
        in_care.year,
        in_care.district_code,
        in_care.age_band,
        coalesce(placement_location.location, 'Location not known') as category,
        coalesce(placements_in_year.placements, 0) as placements,
    from in_care
    left join placements_in_year
        on in_care.year = placements_in_year.year
        and in_care.child_id = placements_in_year.child_id
    left join placement_location
        on in_care.year = placement_location.year
        and in_care.child_id = placement_location.child_id
),

final as (
    select
        year,
        district_code,
        age_band,
        category,
        count(*) filter (where placements >= 3)::bigint as numerator,
        count(*)::bigint as denominator,
    from children
    group by year, district_code, age_band, category
)

select * from final
order by year, district_code, age_band, category
