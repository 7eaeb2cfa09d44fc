-- placed_away_mean_sdq: mean_sdq (queries/mean_sdq.sql) for children placed away from home and
-- for those placed near, side by side.
-- A row is one year x home district x age band (at 31 March) x location (category, as
-- placement_location gives it); numerator = sum of valid SDQ scores (0 to 40) of cohort children
-- aged 4 to 16 at 31 March, denominator = children with a score, sum_squares = sum of squared
-- scores: what a mean's interval and Welch's test need. The locations of a cell add up to
-- mean_sdq's row.
-- Parameters: $year_from, $year_to
-- Sources: sdq_scored, placement_location.
with

scored as (
    select *
    from sdq_scored
    where year between $year_from and $year_to
),

final as (
    select
        scored.year,
        scored.district_code,
        scored.age_band,
        placement_location.location as category,
        sum(scored.sdq_score)::double as numerator,
        count(*)::bigint as denominator,
        sum(scored.sdq_score * scored.sdq_score)::double as sum_squares,
    from scored
    inner join placement_location
        on scored.year = placement_location.year
        and scored.child_id = placement_location.child_id
    group by scored.year, scored.district_code, scored.age_band, placement_location.location
)

select * from final
order by year, district_code, age_band, category
