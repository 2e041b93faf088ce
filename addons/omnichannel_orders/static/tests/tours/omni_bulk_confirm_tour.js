/** @odoo-module **/

import {registry} from "@web/core/registry";

/**
 * The order desk filtered on the "Ordered" status tab; every order selected and
 * confirmed at once; the bulk operation shows its summary.
 */
registry.category("web_tour.tours").add("omni_bulk_confirm_tour", {
    steps: () => [
        {
            content: "The Ready to Ship order is in the list before filtering",
            trigger: ".o_list_renderer .o_data_row:contains('TOUR-READY-1')",
        },
        {
            content: "Filter on the Ordered status tab",
            trigger: ".o_search_panel .o_search_panel_category_value header:contains('Ordered')",
            run: "click",
        },
        {
            trigger: ".o_list_renderer:not(:has(.o_data_row:contains('TOUR-READY-1')))",
        },
        {
            trigger: ".o_list_renderer .o_data_row:contains('TOUR-ORD-3')",
        },
        {
            content: "Select every order of the tab",
            trigger: ".o_list_renderer thead .o_list_record_selector input",
            run: "click",
        },
        {
            trigger: ".o_list_selection_box:contains('3')",
        },
        {
            trigger: ".o_cp_action_menus button:contains('Actions')",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .dropdown-item:contains('Bulk: Confirm')",
            run: "click",
        },
        {
            trigger: ".modal div[name=order_count]:contains('3')",
        },
        {
            trigger: ".modal button[name=action_start]",
            run: "click",
        },
        {
            content: "The summary: every order confirmed",
            trigger: ".o_form_view div[name=state] .o_arrow_button_current:contains('Done')",
        },
        {
            trigger: ".o_form_view div[name=done_count]:contains('3')",
        },
        {
            trigger: ".o_form_view div[name=failed_count]:contains('0')",
        },
    ],
});
