// hls.js ships no separate types for its light build; it has the same API.
declare module "hls.js/light" {
  import Hls from "hls.js";
  export default Hls;
}
