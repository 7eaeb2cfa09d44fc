-- child_years: each child in each year's return, with age and age band at 31 March and district.
-- Age is in whole years at 31 March of the year, and its DfE age band, both set by the build
-- (a child with no date of birth has band Unknown). District: the home district the build gave
-- the child for the year (Unknown where not known).
-- Sources: children.
select
    year,
    child_id,
    sex,
    ethnicity,
    is_uasc,
    district_code,
    age,
    age_band,
from children
