/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * The order desk: the status tabs in the words of the sellers' order pages, the
 * channel statuses in words.
 */
registry.category("web_tour.tours").add("omni_order_desk_tour", {
    steps: () => [
        {
            content: "The status tabs",
            trigger: ".o_search_panel:contains('Ordered'):contains('Ready to Ship'):contains('In Delivery'):contains('Completed'):contains('Cancelled')",
        },
        {
            content: "Channel statuses in words",
            trigger: ".o_list_renderer .o_data_row td[name=channel_status_label]:contains('Pending')",
        },
        {
            content: "No platform code in the list (ready_to_ship, TO_RETURN...)",
            trigger: ".o_list_renderer:not(:has(td[name=channel_status_label]:contains('_')))",
        },
    ],
});
