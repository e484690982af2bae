#include "planner/imaging/working_grid.hpp"

#include <opencv2/imgproc.hpp>

#include "planner/imaging/cv_convert.hpp"

namespace hdr::imaging {

WorkingGrid make_working_grid(const GrayImage& image, double step_mm) {
  WorkingGrid g;
  g.step_mm = step_mm;
  const double w_mm = image.width * image.spacing_mm[0];
  const double h_mm = image.height * image.spacing_mm[1];
  const int cols = std::max(2, static_cast<int>(std::round(w_mm / step_mm)));
  const int rows = std::max(2, static_cast<int>(std::round(h_mm / step_mm)));
  cv::Mat f;
  view_of(image).convertTo(f, CV_32F);
  cv::resize(f, g.img, cv::Size(cols, rows), 0, 0, cv::INTER_AREA);
  // Pixel u of the working grid spans original columns [u*fx, (u+1)*fx): centre at
  // (u + 0.5) * fx - 0.5 in original pixel units.
  const double fx = static_cast<double>(image.width) / cols, fy = static_cast<double>(image.height) / rows;
  g.x0_mm = image.x_mm(0.5 * fx - 0.5);
  g.ytop_mm = image.y_mm(0.5 * fy - 0.5);
  g.step_mm = fx * image.spacing_mm[0];
  g.step_y_mm = fy * image.spacing_mm[1];
  return g;
}

}  // namespace hdr::imaging
