-- placement_moves: placement moves during the year (moves, not children: a child who moved twice
-- counts twice).
-- A row is one year x home district x age band (at 31 March); numerator = moves.
-- A move: an episode starting in the year with reason for new episode P or B that began a new
-- placement (not a temporary placement T0 to T4, nor a return to the same placement after one).
-- CHOICE: starts of care (S), same-carer changes (T, U) and temporary placements are not moves.
-- Every child who moved counts, whether or not still looked after on 31 March.
-- Parameters: $year_from, $year_to
-- Sources: placement_moves_in_year (queries/views/placement_moves_in_year.sql).
with

moves as (
    select
        year,
        district_code,
        age_band,
    from placement_moves_in_year
    where year between $year_from and $year_to
),

final as (
    select
        year,
        district_code,
        age_band,
        count(*)::bigint as numerator,
        null::bigint as denominator,
    from moves
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
