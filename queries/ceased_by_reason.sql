-- ceased_by_reason: children who ceased to be looked after in the year, by reason, as a distribution.
-- A row is one year x home district x age band x reason group; numerator = children whose (last)
-- ceasing in the year had a reason in the group, denominator = all children who ceased in the cell.
-- Groups (codes.csv): returned home, adopted, special guardianship order, residence or child
-- arrangements order, moved into independent living, turned 18 or other.
-- Parameters: $year_from, $year_to
-- Sources: ceased_in_year, codes.
with

ceased as (
    select
        year,
        district_code,
        age_band,
        reason_ended,
    from ceased_in_year
    where year between $year_from and $year_to
),

labelled as (
    select
        ceased.year,
        ceased.district_code,
        ceased.age_band,
        coalesce(codes."group", 'Not recorded') as category,
    from ceased
    left join codes
        on codes.field = 'REC'
        and codes.code = ceased.reason_ended
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
