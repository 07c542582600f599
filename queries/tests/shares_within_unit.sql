-- A share is numerator / denominator, within [0, 1], inside its interval, and its
-- interval is within [0, 1].
SELECT indicator_id, area_code, breakdown, breakdown_value
FROM tidy
WHERE unit = 'share'
  AND (numerator > denominator
       OR value < 0 OR value > 1
       OR abs(value - numerator / denominator) > 1e-12
       OR ci_low > value OR ci_high < value
       OR ci_low < 0 OR ci_high > 1)
