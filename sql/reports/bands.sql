-- Category bands of IPLM year $year (lower <= IPLM < upper), lowest first: colours and chart lines.
SELECT lower, upper, category FROM methodology_bands WHERE year = $year ORDER BY lower;
