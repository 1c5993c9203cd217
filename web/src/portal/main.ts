// The parties' portal (当事人端): its own entry, without Element Plus, for phones on slow links.
import "./portal.css";

import { createApp } from "vue";

import PortalApp from "./PortalApp.vue";

createApp(PortalApp).mount("#portal");
