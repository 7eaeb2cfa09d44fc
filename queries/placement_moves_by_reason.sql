-- placement_moves_by_reason: placement moves during the year by the reason for the placement
-- change, as a distribution.
-- A row is one year x home district x age band (at 31 March) x reason; numerator = moves whose
-- ending placement gave that reason, denominator = all moves in the cell (moves, not children).
-- A move as placement_moves counts it. The reason is the REASON_PLACE_CHANGE of the episode that
-- ended at the move, labelled as DfE's code list words it; blank or not a DfE code: Not recorded.
-- Parameters: $year_from, $year_to
-- Sources: placement_moves_in_year, codes.
with

moves as (
    select
        year,
        district_code,
        age_band,
        reason_place_change,
    from placement_moves_in_year
    where year between $year_from and $year_to
),

reason_codes as (
    select
        code as reason_place_change,
        label,
    from codes
    where field = 'REASON_PLACE_CHANGE'
),

labelled as (
    select
        moves.year,
        moves.district_code,
        moves.age_band,
        coalesce(reason_codes.label, 'Not recorded') as category,
    from moves
    left join reason_codes on moves.reason_place_change = reason_codes.reason_place_change
),

final as (
    select
        year,
        district_code,
        age_band,
        category,
        count(*)::bigint as numerator,
        sum(count(*)) over (partition by year, district_code, age_band)::bigint as denominator,
    from labelled
    group by year, district_code, age_band, category
)

select * from final
order by year, district_code, age_band, category
