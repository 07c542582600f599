-- A count's value is its numerator; a rate's is numerator / denominator x 100 000; a
-- shown row has a value and a no_data or not_reached row has none.
SELECT indicator_id, area_code, breakdown, breakdown_value
FROM tidy
WHERE (unit = 'count' AND value IS DISTINCT FROM numerator)
   OR (unit = 'per_100k' AND denominator > 0
       AND abs(value - numerator * 100000.0 / denominator) > 1e-9 * greatest(value, 1))
   OR (status = '' AND value IS NULL)
   OR (status IN ('no_data', 'not_reached') AND value IS NOT NULL)
