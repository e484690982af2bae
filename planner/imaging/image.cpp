#include "planner/imaging/image.hpp"

#include <cmath>
#include <sstream>

#include "planner/common/error.hpp"

namespace hdr::imaging {

void validate_sweep(const Sweep& sweep, const std::string& what) {
  require(!sweep.frames.empty(), what + ": the sweep has no frames");
  const GrayImage& first = sweep.frames.front().image;
  int direction = 0;  // +1 increasing z, -1 decreasing, 0 not known yet
  for (size_t k = 0; k < sweep.frames.size(); ++k) {
    const Frame& f = sweep.frames[k];
    const GrayImage& im = f.image;
    std::ostringstream where;
    where << what << ": frame " << k;
    require(im.width > 0 && im.height > 0, where.str() + ": empty image");
    require(im.pixels.size() == static_cast<size_t>(im.width) * static_cast<size_t>(im.height),
            where.str() + ": pixel buffer does not match its size");
    if (im.width != first.width || im.height != first.height) {
      std::ostringstream m;
      m << where.str() << ": size " << im.width << "x" << im.height << " differs from frame 0's "
        << first.width << "x" << first.height;
      throw Error(m.str());
    }
    require(im.spacing_mm == first.spacing_mm && im.origin_mm == first.origin_mm,
            where.str() + ": pixel spacing/origin differ from frame 0's");
    require(std::isfinite(f.z_mm), where.str() + ": z_mm is not finite");
    if (k > 0) {
      const double dz = f.z_mm - sweep.frames[k - 1].z_mm;
      const int d = dz > 0 ? 1 : (dz < 0 ? -1 : 0);
      if (d != 0 && direction != 0 && d != direction) {
        std::ostringstream m;
        m << where.str() << ": z_mm = " << f.z_mm << " reverses the stepper direction (previous frame at "
          << sweep.frames[k - 1].z_mm << " mm); a non-monotonic sweep is refused";
        throw Error(m.str());
      }
      if (d != 0) direction = d;
    }
  }
}

}  // namespace hdr::imaging
