-- placement_distance_not_known: children looked after at 31 March whose distance from home to
-- placement is not known.
-- A row is one year x home district x age band (at 31 March) with children looked after;
-- numerator = children whose home or placement postcode (episode open at 31 March) is blank or
-- not in the ONS directory, so no distance can be worked out; 0 where every distance is known.
-- Shown so that "not known" is seen, never treated as zero miles.
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
),

final as (
    select
        year,
        district_code,
        age_band,
        count(*) filter (where distance_miles is null)::bigint as numerator,
        null::bigint as denominator,
    from placements
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
