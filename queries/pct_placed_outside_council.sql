-- pct_placed_outside_council: children looked after at 31 March placed outside the council's
-- districts.
-- A row is one year x home district x age band (at 31 March); numerator = children whose
-- placement at 31 March is outside the council's districts, denominator = children looked after
-- at 31 March whose placement location is known.
-- The placement of the episode open at 31 March; outside = its postcode lies in a district that
-- is not one of the council's (population.csv's districts).
-- CHOICE: a placement postcode that is blank or not in the ONS directory is not known and left
-- out of both numerator and denominator (cells where no placement is known are left out).
-- Parameters: $year_from, $year_to
-- Sources: placement_at_31_march (queries/views/placement_at_31_march.sql).
with

placements as (
    select
        year,
        district_code,
        age_band,
        is_placed_outside_council,
    from placement_at_31_march
    where year between $year_from and $year_to
        and is_placed_outside_council is not null
),

final as (
    select
        year,
        district_code,
        age_band,
        count(*) filter (where is_placed_outside_council)::bigint as numerator,
        count(*)::bigint as denominator,
    from placements
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
