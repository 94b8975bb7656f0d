-- The UPLM elements of IPLM year $year (standard = factor_numerator / factor_denominator x base_measure).
SELECT uplm, name, actual_measure, base_measure, factor_numerator, factor_denominator, cap
FROM methodology_elements WHERE year = $year ORDER BY uplm;
