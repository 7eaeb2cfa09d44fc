-- cla_12_months_education: the education outcomes (education.csv) of each child looked after
-- continuously for 12 months at 31 March, one row per cohort child per year with a row in the
-- year's education.csv.
-- Joined by child and year: folder Y's education.csv holds the academic year that contains
-- 31 March Y (docs/returns-layout.md), read with the cohort at 31 March Y, as DfE's outcomes
-- publications match an academic year to the cohort at the 31 March within it. Items stay as
-- given: blank = not applicable (not at the end of the key stage, not of school age), so each
-- indicator's denominator is the children with the item. Education rows of children outside the
-- cohort are left out.
-- Sources: cla_12_months, education (education.csv).
with

cohort as (
    select
        year,
        child_id,
        district_code,
        age_band,
        age,
    from cla_12_months
),

education_rows as (
    select
        year,
        child_id,
        ks2_rwm_expected,
        ks4_attainment8,
        ks4_eng_maths_4,
        is_persistently_absent,
        suspensions,
        sen_provision,
    from education
),

final as (
    select
        cohort.year,
        cohort.child_id,
        cohort.district_code,
        cohort.age_band,
        cohort.age,
        education_rows.ks2_rwm_expected,
        education_rows.ks4_attainment8,
        education_rows.ks4_eng_maths_4,
        education_rows.is_persistently_absent,
        education_rows.suspensions,
        education_rows.sen_provision,
    from cohort
    inner join education_rows
        on cohort.year = education_rows.year
        and cohort.child_id = education_rows.child_id
)

select * from final
