// The median of a non-empty list (the mean of the middle two for an even
// count): the scheduler's weights, the prediction's default, an agent's footprint.
#pragma once
#include <algorithm>
#include <vector>

namespace kp {

template <typename T>
T median_of(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace kp
