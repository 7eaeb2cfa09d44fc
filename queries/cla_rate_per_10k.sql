-- cla_rate_per_10k: children looked after at 31 March per 10,000 children aged 0 to 17.
-- A row is one year x home district x age band; numerator = children looked after at 31 March,
-- denominator = resident children of those ages (population.csv). Children whose home district is
-- Unknown or outside the council count in the council's rate but have no district denominator.
-- Parameters: $year_from, $year_to
-- Sources: in_care_31_march, population_by_band.
with

in_care as (
    select
        year,
        district_code,
        age_band,
        count(*)::bigint as children,
    from in_care_31_march
    where year between $year_from and $year_to
    group by year, district_code, age_band
),

population as (
    select
        year,
        district_code,
        age_band,
        population,
    from population_by_band
    where year between $year_from and $year_to
),

final as (
    select
        coalesce(in_care.year, population.year) as year,
        coalesce(in_care.district_code, population.district_code) as district_code,
        coalesce(in_care.age_band, population.age_band) as age_band,
        coalesce(in_care.children, 0) as numerator,
        population.population as denominator,
    from in_care
    full outer join population
        on in_care.year = population.year
        and in_care.district_code = population.district_code
        and in_care.age_band = population.age_band
)

select * from final
order by year, district_code, age_band
