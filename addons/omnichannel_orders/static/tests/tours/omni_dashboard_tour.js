/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * The dashboard: a channel's card opens the order list of that channel only.
 */
registry.category("web_tour.tours").add("omni_dashboard_tour", {
    steps: () => [
        {
            content: "The channel's card counts its orders to process",
            trigger: ".o_kanban_record:contains('Tour Shop') button[name=action_omni_open_orders]:contains('2')",
        },
        {
            content: "Open the channel's orders from its card",
            trigger: ".o_kanban_record:contains('Tour Shop') a[name=action_omni_open_orders]:contains('Tour Shop')",
            run: "click",
        },
        {
            trigger: ".o_breadcrumb:contains('Tour Shop: Orders')",
        },
        {
            trigger: ".o_list_renderer .o_data_row:contains('TOUR-ORD-2')",
        },
        {
            content: "Only this channel's orders",
            trigger: ".o_list_renderer:not(:has(.o_data_row:contains('OTHER-1')))",
        },
    ],
});
