// A link with the access token in it (/?token=…, which deploy/run-image.sh prints, as Jupyter does) signs the page in:
// the token is kept as if it had been typed, and taken out of the address bar and the history.

import { token } from "./api.js";

const address = new URL(location.href);
const given = address.searchParams.get("token");
if (given) {
  token.set(given);
  address.searchParams.delete("token");
  history.replaceState(history.state, "", address);
}
