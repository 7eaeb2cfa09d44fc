-- population_by_band: children resident in each district by age band, the denominator of rates.
-- Sources: population, age_bands.
select
    population.year,
    population.district_code,
    age_bands.age_band,
    sum(population.population)::bigint as population,
from population
inner join age_bands on population.age between age_bands.min_age and age_bands.max_age
group by population.year, population.district_code, age_bands.age_band
